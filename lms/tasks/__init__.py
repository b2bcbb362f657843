"""Practice tasks (tugas praktik): trainees hand in real work, trainers or peers review it on a
rubric."""
