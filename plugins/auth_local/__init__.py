"""Local login: school-issued logins and passwords."""
