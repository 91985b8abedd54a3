"""Four living sector demos that `regista server --demo` deploys: models (BPMN with their
diagrams, DMN, Camunda Forms), simulated workers and scenarios per sector, and a traffic
generator that keeps them busy. The catalog is `regista.demos.catalog`."""
