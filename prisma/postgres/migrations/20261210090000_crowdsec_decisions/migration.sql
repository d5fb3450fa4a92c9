-- CreateTable
CREATE TABLE "crowdsec_decisions" (
    "id" INTEGER NOT NULL,
    "value" TEXT NOT NULL,
    "scope" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "origin" TEXT NOT NULL,
    "scenario" TEXT NOT NULL,
    "expires_at" TIMESTAMP(3) NOT NULL,
    "enforced" BOOLEAN NOT NULL,
    "not_enforced_reason" TEXT,
    "synced_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "crowdsec_decisions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "blocklist_state" (
    "id" INTEGER NOT NULL,
    "synced_at" TIMESTAMP(3),
    "active_count" INTEGER NOT NULL DEFAULT 0,
    "enforced_count" INTEGER NOT NULL DEFAULT 0,
    "not_enforced_count" INTEGER NOT NULL DEFAULT 0,
    "stale_since" TIMESTAMP(3),
    "stale_reason" TEXT,
    "served_generation" INTEGER,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "blocklist_state_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "crowdsec_decisions_expires_at_idx" ON "crowdsec_decisions"("expires_at");

-- CreateIndex
CREATE INDEX "crowdsec_decisions_value_idx" ON "crowdsec_decisions"("value");

-- CreateIndex
CREATE INDEX "crowdsec_decisions_origin_expires_at_idx" ON "crowdsec_decisions"("origin", "expires_at");

-- CreateIndex
CREATE INDEX "crowdsec_decisions_type_expires_at_idx" ON "crowdsec_decisions"("type", "expires_at");

-- CreateIndex
CREATE INDEX "crowdsec_decisions_enforced_expires_at_idx" ON "crowdsec_decisions"("enforced", "expires_at");
