-- CreateTable
CREATE TABLE "sites" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "upstream" TEXT NOT NULL,
    "tls_verify" BOOLEAN NOT NULL DEFAULT true,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "max_body_bytes" INTEGER NOT NULL DEFAULT 10485760,
    "waf" TEXT NOT NULL DEFAULT 'inherit',
    "version" INTEGER NOT NULL DEFAULT 1,
    "changed_by" TEXT,
    "changed_at" DATETIME,
    "created_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateTable
CREATE TABLE "site_hosts" (
    "host" TEXT NOT NULL PRIMARY KEY,
    "site_id" INTEGER NOT NULL,
    CONSTRAINT "site_hosts_site_id_fkey" FOREIGN KEY ("site_id") REFERENCES "sites" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "waf_exclusions" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "site_id" INTEGER NOT NULL,
    "rule_id" INTEGER NOT NULL,
    "reason" TEXT,
    "created_by" TEXT NOT NULL,
    "created_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "waf_exclusions_site_id_fkey" FOREIGN KEY ("site_id") REFERENCES "sites" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateIndex
CREATE INDEX "site_hosts_site_id_idx" ON "site_hosts"("site_id");

-- CreateIndex
CREATE UNIQUE INDEX "waf_exclusions_site_id_rule_id_key" ON "waf_exclusions"("site_id", "rule_id");
