"""When a module and a course count as complete: one place for the rule, above the
catalogue, quizzes and tasks."""
