"""Import (of clients and of staff members) and export of clients.

targets.py says what each kind of record brings to the importer (clients_target.py,
staff/importing.py); reading.py turns a file into rows; checking.py checks them into
import_rows and import_issues; running.py writes the records (a job of the jobs package);
undo.py takes an import back; exporting.py writes CSV; routes.py has the pages.
"""
