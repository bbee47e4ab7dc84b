-- A form's lead magnet file (issue 4, point 1): the guide or download given on the
-- thank-you page, kept in the database so every node serves it. One per form; the
-- type is the one sniffed from the bytes when it was uploaded, never the client's.
CREATE TABLE form_magnets (
    form_id      INTEGER PRIMARY KEY REFERENCES forms(id) ON DELETE CASCADE,
    file_name    TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size_bytes   INTEGER NOT NULL,
    sha256       TEXT NOT NULL,
    data         BLOB NOT NULL,
    created_by   TEXT NOT NULL DEFAULT '',
    created_at   INTEGER NOT NULL
);
