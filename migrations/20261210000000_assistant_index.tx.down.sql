DROP TABLE IF EXISTS assistant_messages;
DROP TABLE IF EXISTS assistant_conversations;
{{.DropTextSearch "assistant_passages" "body"}}
DROP TABLE IF EXISTS assistant_passages;
DROP TABLE IF EXISTS assistant_courses;
