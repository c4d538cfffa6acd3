"""Authentication (argon2 passwords, OAuth2 password flow, JWT) and role permissions."""
