-- CreateTable
CREATE TABLE "scenario_intents" (
    "name" TEXT NOT NULL PRIMARY KEY,
    "enabled" BOOLEAN NOT NULL,
    "version" INTEGER NOT NULL DEFAULT 1,
    "changed_by" TEXT,
    "changed_at" DATETIME
);

-- CreateTable
CREATE TABLE "drift_snapshots" (
    "surface" TEXT NOT NULL PRIMARY KEY,
    "status" TEXT NOT NULL,
    "expected" TEXT,
    "actual" TEXT,
    "differences" TEXT NOT NULL DEFAULT '[]',
    "reason" TEXT,
    "since" DATETIME,
    "checked_at" DATETIME NOT NULL
);
