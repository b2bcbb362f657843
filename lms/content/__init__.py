"""The courses/ format: reading and checking course folders (loader), writing them to the
database (sync). Above the catalogue, quizzes and tasks, which it fills."""
