{{.DropTextSearch "certificates" "holder_name" "title"}}
DROP TABLE certificates;
