"""Project defaults per client (default location, information documents, field reports,
notes to staff, excluded staff), what each project inherits of them ("Project settings"),
and the field report templates admins define."""
