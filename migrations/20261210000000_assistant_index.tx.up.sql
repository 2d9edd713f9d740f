-- assistant: the passages questions are answered from (a course's topic
-- titles, articles, video notes and caption cues, rebuilt when the course's
-- content changes), and learners' conversations with the assistant.

-- A course's passages were built from content whose stamp is stamp
-- (catalog's and media's): a different stamp means they are rebuilt. The
-- passages are derived data: no foreign keys hold them to the catalog.
CREATE TABLE assistant_courses (
    course_id   {{.BigInt}} PRIMARY KEY,
    stamp       TEXT NOT NULL,
    indexed_at  {{.Timestamp}} NOT NULL
);

-- One passage of a topic: its title (kind "title"), a part of an article
-- ("article") or of a video's notes ("notes"), or a few caption cues
-- ("caption") starting at start_ms into the video (-1: no time).
CREATE TABLE assistant_passages (
    id          {{.PK}},
    course_id   {{.BigInt}} NOT NULL,
    topic_id    {{.BigInt}} NOT NULL,
    topic_title TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('title', 'article', 'notes', 'caption')),
    start_ms    {{.BigInt}} NOT NULL DEFAULT -1,
    body        TEXT NOT NULL
);
CREATE INDEX assistant_passages_course_idx ON assistant_passages (course_id, topic_id);
{{.TextSearch "assistant_passages" "body"}}

-- A learner's conversation about a topic.
CREATE TABLE assistant_conversations (
    id          {{.PK}},
    user_id     {{.BigInt}} NOT NULL REFERENCES accounts_users (id),
    topic_id    {{.BigInt}} NOT NULL REFERENCES catalog_topics (id),
    course_id   {{.BigInt}} NOT NULL REFERENCES catalog_courses (id),
    title       TEXT NOT NULL,
    created_at  {{.Timestamp}} NOT NULL,
    updated_at  {{.Timestamp}} NOT NULL
);
CREATE INDEX assistant_conversations_user_idx ON assistant_conversations (user_id, updated_at);
CREATE INDEX assistant_conversations_topic_idx ON assistant_conversations (user_id, topic_id, updated_at);

-- A message: the learner's question ("user") or the answer ("assistant"),
-- with its citations and the tokens it cost (answers only). The quota
-- counts a user's questions and tokens since midnight UTC.
CREATE TABLE assistant_messages (
    id                {{.PK}},
    conversation_id   {{.BigInt}} NOT NULL REFERENCES assistant_conversations (id) ON DELETE CASCADE,
    user_id           {{.BigInt}} NOT NULL REFERENCES accounts_users (id),
    role              TEXT NOT NULL CHECK (role IN ('user', 'assistant')),
    content           TEXT NOT NULL,
    video_ms          {{.BigInt}} NOT NULL DEFAULT -1,
    citations         {{.JSON}} NOT NULL DEFAULT '[]',
    prompt_tokens     INTEGER NOT NULL DEFAULT 0,
    completion_tokens INTEGER NOT NULL DEFAULT 0,
    model             TEXT NOT NULL DEFAULT '',
    failed            {{.Bool}} NOT NULL DEFAULT FALSE,
    created_at        {{.Timestamp}} NOT NULL
);
CREATE INDEX assistant_messages_conversation_idx ON assistant_messages (conversation_id, id);
CREATE INDEX assistant_messages_user_idx ON assistant_messages (user_id, created_at);
CREATE INDEX assistant_messages_created_idx ON assistant_messages (created_at);
