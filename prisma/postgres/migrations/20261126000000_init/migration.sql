-- CreateTable
CREATE TABLE "settings" (
    "id" SERIAL NOT NULL,
    "key" TEXT NOT NULL,
    "value" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "category" TEXT NOT NULL,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "settings_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "security_configs" (
    "id" INTEGER NOT NULL,
    "version" INTEGER NOT NULL DEFAULT 0,
    "crowdsec_enabled" BOOLEAN NOT NULL DEFAULT false,
    "crowdsec_mode" TEXT NOT NULL DEFAULT 'local',
    "crowdsec_lapi_url" TEXT,
    "crowdsec_version" INTEGER NOT NULL DEFAULT 0,
    "crowdsec_changed_by" TEXT,
    "crowdsec_changed_at" TIMESTAMP(3),
    "waf_enabled" BOOLEAN NOT NULL DEFAULT false,
    "waf_mode" TEXT NOT NULL DEFAULT 'detect',
    "waf_paranoia" INTEGER NOT NULL DEFAULT 1,
    "waf_inbound_threshold" INTEGER NOT NULL DEFAULT 5,
    "waf_outbound_threshold" INTEGER NOT NULL DEFAULT 4,
    "waf_version" INTEGER NOT NULL DEFAULT 0,
    "waf_changed_by" TEXT,
    "waf_changed_at" TIMESTAMP(3),
    "rate_limit_enabled" BOOLEAN NOT NULL DEFAULT false,
    "rate_limit_requests" INTEGER NOT NULL DEFAULT 100,
    "rate_limit_window_sec" INTEGER NOT NULL DEFAULT 60,
    "rate_limit_burst" INTEGER NOT NULL DEFAULT 10,
    "rate_limit_version" INTEGER NOT NULL DEFAULT 0,
    "rate_limit_changed_by" TEXT,
    "rate_limit_changed_at" TIMESTAMP(3),
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "security_configs_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "security_audits" (
    "id" SERIAL NOT NULL,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "actor" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "protection" TEXT,
    "before" TEXT,
    "after" TEXT,
    "outcome" TEXT NOT NULL,
    "error" TEXT,
    "request_id" TEXT NOT NULL,
    "config_version" INTEGER,
    "runtime_result" TEXT,

    CONSTRAINT "security_audits_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "settings_key_key" ON "settings"("key");

-- CreateIndex
CREATE INDEX "security_audits_at_idx" ON "security_audits"("at");

-- CreateIndex
CREATE INDEX "security_audits_protection_at_idx" ON "security_audits"("protection", "at");
