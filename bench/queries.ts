/** Incidents per page in every read benchmark. */
export const FIRST = 20;

/** The read the benchmark is about: one page of incidents with their actors and AI systems. */
export const QUERY = `query BenchIncidents {
  incidents(first: ${FIRST}) {
    edges {
      node {
        id title severity occurred { display }
        actors { role actor { name } }
        aiSystems { role aiSystem { name } }
      }
    }
  }
}`;
