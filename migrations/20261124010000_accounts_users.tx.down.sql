DROP TABLE accounts_password_resets;
{{.DropTextSearch "accounts_users" "email" "nickname"}}
DROP TABLE accounts_users;
