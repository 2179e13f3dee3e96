DROP INDEX portal_pass_links_expiry;
DROP TABLE portal_pass_links;
DROP INDEX users_email_key;
CREATE UNIQUE INDEX users_email ON users (lower(email));
ALTER TABLE users DROP COLUMN email_key;
