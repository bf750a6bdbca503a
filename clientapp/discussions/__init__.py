"""Each project's team discussion: messages among the project team and the admins."""
