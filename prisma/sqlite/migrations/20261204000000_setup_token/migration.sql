-- CreateTable
CREATE TABLE "setup_tokens" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "token_hash" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "created_on" TEXT NOT NULL,
    "created_at" DATETIME NOT NULL
);
