-- The store schema of schema version 9 (indexes on messages' decision and state), kept to test migrations.
-- Never edit: it is what such stores hold.
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE inquiries (
    id TEXT PRIMARY KEY,
    company TEXT NOT NULL,
    channel TEXT NOT NULL,
    scenario TEXT NOT NULL,
    wave INTEGER NOT NULL,
    target TEXT NOT NULL,
    state TEXT NOT NULL,
    sender TEXT,
    reply_address TEXT,
    subject TEXT,
    body TEXT,
    message_id TEXT UNIQUE,
    sent_raw BLOB,
    created_at TEXT NOT NULL,
    sent_at TEXT,
    detail TEXT,
    outcome TEXT,
    kind TEXT NOT NULL DEFAULT 'inquiry',
    parent_id TEXT REFERENCES inquiries(id)
);
CREATE TABLE attempts (
    id INTEGER PRIMARY KEY,
    inquiry_id TEXT NOT NULL REFERENCES inquiries(id),
    started_at TEXT NOT NULL,
    finished_at TEXT,
    outcome TEXT NOT NULL,
    detail TEXT
);
CREATE TABLE messages (
    id INTEGER PRIMARY KEY,
    source TEXT NOT NULL UNIQUE,
    sha256 TEXT NOT NULL UNIQUE,
    raw BLOB NOT NULL,
    arrived_at TEXT NOT NULL,
    collected_at TEXT NOT NULL,
    header_message_id TEXT,
    from_addr TEXT,
    subject TEXT,
    inquiry_id TEXT REFERENCES inquiries(id),
    match_method TEXT,
    arrival_resolution REAL NOT NULL DEFAULT 0,
    unreadable TEXT,
    decided TEXT
);
CREATE INDEX messages_inquiry ON messages(inquiry_id);
CREATE INDEX messages_decided ON messages(decided, inquiry_id);
CREATE INDEX messages_state ON messages(inquiry_id, unreadable);
CREATE TABLE classifications (
    message_id INTEGER NOT NULL REFERENCES messages(id),
    origin TEXT NOT NULL,
    label TEXT NOT NULL,
    reasons TEXT NOT NULL,
    comment TEXT,
    created_at TEXT NOT NULL,
    version TEXT,
    PRIMARY KEY (message_id, origin)
);
CREATE TABLE evidence (
    id INTEGER PRIMARY KEY,
    inquiry_id TEXT NOT NULL REFERENCES inquiries(id),
    kind TEXT NOT NULL,
    path TEXT NOT NULL,
    caption TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    sha256 TEXT
);
CREATE TABLE mailbox_cursors (mailbox TEXT PRIMARY KEY, cursor TEXT NOT NULL);
CREATE TABLE quality_scores (
    message_id INTEGER PRIMARY KEY REFERENCES messages(id),
    score INTEGER NOT NULL,
    answered TEXT NOT NULL,
    detail TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE manual_scores (
    message_id INTEGER PRIMARY KEY REFERENCES messages(id),
    score INTEGER NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE discoveries (
    company TEXT PRIMARY KEY,
    url TEXT NOT NULL,
    discovered_at TEXT NOT NULL,
    result TEXT NOT NULL
);
CREATE TABLE judgements (
    message_id INTEGER PRIMARY KEY REFERENCES messages(id),
    version TEXT NOT NULL,
    excerpt TEXT NOT NULL,
    stated TEXT,
    acknowledgement TEXT NOT NULL,
    created_at TEXT NOT NULL,
    findings TEXT
);
CREATE TABLE chats (
    inquiry_id TEXT PRIMARY KEY REFERENCES inquiries(id),
    version TEXT NOT NULL,
    observation TEXT,
    transcript TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE study (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    seed TEXT NOT NULL,
    started_at TEXT NOT NULL
);
CREATE TABLE accessibility (
    inquiry_id TEXT PRIMARY KEY REFERENCES inquiries(id),
    channel TEXT NOT NULL,
    result TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE job_runs (
    id INTEGER PRIMARY KEY,
    job_id INTEGER NOT NULL,
    worker TEXT NOT NULL,
    task TEXT NOT NULL,
    inquiry_id TEXT,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    outcome TEXT,
    detail TEXT
);
