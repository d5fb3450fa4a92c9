-- CreateTable
CREATE TABLE "scenario_intents" (
    "name" TEXT NOT NULL,
    "enabled" BOOLEAN NOT NULL,
    "version" INTEGER NOT NULL DEFAULT 1,
    "changed_by" TEXT,
    "changed_at" TIMESTAMP(3),

    CONSTRAINT "scenario_intents_pkey" PRIMARY KEY ("name")
);

-- CreateTable
CREATE TABLE "drift_snapshots" (
    "surface" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "expected" TEXT,
    "actual" TEXT,
    "differences" TEXT NOT NULL DEFAULT '[]',
    "reason" TEXT,
    "since" TIMESTAMP(3),
    "checked_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "drift_snapshots_pkey" PRIMARY KEY ("surface")
);
