CREATE SCHEMA "My Schema";
CREATE TABLE "My Schema"."Order" ("Select" int PRIMARY KEY, "user" text, "a""b" int);
CREATE INDEX "Idx ""x""" ON "My Schema"."Order" ("user");
CREATE VIEW "My Schema"."Order View" AS SELECT "Select" FROM "My Schema"."Order";
COMMENT ON COLUMN "My Schema"."Order"."a""b" IS 'it''s quoted';
