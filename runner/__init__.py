"""The jtai-sim command line and the mock-inspection runner."""
