DROP TABLE accounts_password_resets;
{{.DropTextSearch "accounts_users"}}
DROP TABLE accounts_users;
