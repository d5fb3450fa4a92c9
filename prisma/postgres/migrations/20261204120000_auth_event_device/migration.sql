-- AlterTable
ALTER TABLE "auth_events" ADD COLUMN "device_id" TEXT;

-- CreateIndex
CREATE INDEX "auth_events_device_id_event_at_idx" ON "auth_events"("device_id", "event", "at");
