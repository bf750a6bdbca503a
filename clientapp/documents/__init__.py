"""Stored uploads (information documents for staff): content-checked, kept under generated
names, downloaded as attachments by signed-in users. A Document is a name given to a
StoredFile by a client's defaults or a project; several documents may share one file (a
project inherits its client's), and the file goes once nothing refers to it."""
