"""Accounts and logging in: users, server-side sessions, the login throttle, the password policy,
the login pages and the admins' accounts page."""
