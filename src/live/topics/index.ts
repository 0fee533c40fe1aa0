// Every live topic, one module each. An event kind belongs to exactly one topic (the hub checks).
import type { Topic } from '../../events/topic.js';
import { actionTopic } from './action.js';
import { incidentTopic } from './incident.js';
import { policyPositionTopic } from './policy-position.js';
import { reportTopic } from './report.js';

export { actionTopic, incidentTopic, policyPositionTopic, reportTopic };

/** The registry the hub is built with. */
export const TOPICS: readonly Topic[] = [reportTopic, incidentTopic, policyPositionTopic, actionTopic];
