"""The versioned Delta Lake store, the bundled data and the demo generator, and the checks of both."""
