-- CreateTable
CREATE TABLE "sites" (
    "id" SERIAL NOT NULL,
    "upstream" TEXT NOT NULL,
    "tls_verify" BOOLEAN NOT NULL DEFAULT true,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "max_body_bytes" INTEGER NOT NULL DEFAULT 10485760,
    "waf" TEXT NOT NULL DEFAULT 'inherit',
    "version" INTEGER NOT NULL DEFAULT 1,
    "changed_by" TEXT,
    "changed_at" TIMESTAMP(3),
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "sites_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "site_hosts" (
    "host" TEXT NOT NULL,
    "site_id" INTEGER NOT NULL,

    CONSTRAINT "site_hosts_pkey" PRIMARY KEY ("host")
);

-- CreateTable
CREATE TABLE "waf_exclusions" (
    "id" SERIAL NOT NULL,
    "site_id" INTEGER NOT NULL,
    "rule_id" INTEGER NOT NULL,
    "reason" TEXT,
    "created_by" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "waf_exclusions_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "site_hosts_site_id_idx" ON "site_hosts"("site_id");

-- CreateIndex
CREATE UNIQUE INDEX "waf_exclusions_site_id_rule_id_key" ON "waf_exclusions"("site_id", "rule_id");

-- AddForeignKey
ALTER TABLE "site_hosts" ADD CONSTRAINT "site_hosts_site_id_fkey" FOREIGN KEY ("site_id") REFERENCES "sites"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "waf_exclusions" ADD CONSTRAINT "waf_exclusions_site_id_fkey" FOREIGN KEY ("site_id") REFERENCES "sites"("id") ON DELETE CASCADE ON UPDATE CASCADE;
