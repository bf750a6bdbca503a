"""The project page's "Team discussion" section: the same thread as the discussion's own
page (its routes are the discussions blueprint's; this section only shows it)."""
from .. import sections


class DiscussionSection(sections.Section):
    # Not "discussion": the section's own view URL would be the thread's page.
    name = "thread"
    template = "discussions/project_section.html"
    editable = False

    def context(self, project):
        from .routes import thread_context

        return thread_context(project)
