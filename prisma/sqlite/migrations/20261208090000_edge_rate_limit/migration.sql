-- AlterTable
ALTER TABLE "security_configs" ADD COLUMN "rate_limit_rate" INTEGER;
ALTER TABLE "security_configs" ADD COLUMN "rate_limit_unit" TEXT;
ALTER TABLE "security_configs" ADD COLUMN "rate_limit_excess" TEXT;

-- AlterTable
ALTER TABLE "sites" ADD COLUMN "rate_limit" TEXT NOT NULL DEFAULT 'inherit';
