#!/usr/bin/env node
// A Prisma generator that writes the schema's DMMF (the datamodel part) to the configured output
// file. lib/migrations reads it to check a live database against the models, so a new model or
// column is verified the day it is added, without a hand-kept list.
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import generatorHelper from "@prisma/generator-helper";

generatorHelper.generatorHandler({
  onManifest: () => ({ prettyName: "Warden DMMF (JSON)", defaultOutput: "./dmmf.json" }),
  onGenerate: async (options) => {
    const out = options.generator.output?.value;
    if (!out) throw new Error("dmmf generator: no output path configured");
    mkdirSync(dirname(out), { recursive: true });
    const provider = options.datasources[0]?.provider ?? "unknown";
    writeFileSync(out, JSON.stringify({ provider, datamodel: options.dmmf.datamodel }, null, 2) + "\n");
  },
});
