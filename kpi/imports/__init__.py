"""The analyst's import: Swedish input, the Excel template, reading, checking, and writing with undo."""
