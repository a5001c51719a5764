// Validates every object of the given Kubernetes YAML files against the Kubernetes schemas
// (kubernetes-models), offline: kubectl's own validation needs an API server.
// Usage: node validate.mjs FILE...   Exit 0 when all are valid; otherwise one line per invalid object.
import { readFile } from 'node:fs/promises';
import { parseAllDocuments } from 'yaml';

let invalid = 0;
for (const file of process.argv.slice(2)) {
  for (const document of parseAllDocuments(await readFile(file, 'utf8'))) {
    const object = document.toJS();
    const where = `${file}: ${object.kind}/${object.metadata?.name}`;
    try {
      // "apps/v1" + Deployment -> kubernetes-models/apps/v1/Deployment; "v1" + Service -> kubernetes-models/v1/Service.
      const model = await import(`kubernetes-models/${object.apiVersion}/${object.kind}`);
      new model[object.kind](object).validate();
    } catch (error) {
      invalid++;
      console.error(`${where}: ${error.message}`);
    }
  }
}

process.exit(invalid === 0 ? 0 : 1);
