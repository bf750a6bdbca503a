"""Import and export of clients.

reading.py turns a file into rows; checking.py checks them into import_rows and
import_issues; running.py writes the clients (a job of the jobs package); undo.py takes an
import back; exporting.py writes CSV; routes.py has the pages.
"""
