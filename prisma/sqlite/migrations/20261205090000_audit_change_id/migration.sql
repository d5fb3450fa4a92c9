-- AlterTable
ALTER TABLE "security_audits" ADD COLUMN "change_id" INTEGER;

-- CreateIndex
CREATE INDEX "security_audits_change_id_idx" ON "security_audits"("change_id");
