"""The demo `pbengine serve --demo` loads: demo.pb, a fictional election, and its rounds."""
