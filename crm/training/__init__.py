"""Staff training (员工培训): monthly sessions, attendance, exams, pass rates, certificates."""
