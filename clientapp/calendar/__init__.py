"""The calendar: projects by month, week and day."""
