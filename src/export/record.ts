// The JSONL record shape `faultline.incident/1`: one incident per line, self-contained, keyed only by natural
// keys (slugs, ATLAS ids, a report's identity), never by database ids. Exporting, importing into an empty
// database and exporting again gives the same bytes, so:
// - keys are written in the order this file declares them (src/export/jsonl.ts builds every object literally
//   in that order) and lists are sorted by natural keys, as each list's comment says;
// - nothing volatile is exported (no ids, versions, created/updated timestamps);
// - an unknown value is null (or an empty list where the API has a list), never filled in.
// The same shape is what `npm run import` reads. A change that is not purely additive bumps the version.

import type { ActorKind } from '../data/actors.js';
import type { AiSystemKind } from '../data/ai-systems.js';
import type { AiSystemRole, DatePrecision, ImportSource, IncidentActorRole, IncidentKind, IncidentStatus, Severity } from '../data/incidents.js';

/** The version tag every record carries as its first key. */
export const INCIDENT_RECORD_SCHEMA = 'faultline.incident/1' as const;

/** Who makes the judgements in `assessment`: Faultline, never a source (as `IncidentAssessment.assessedBy`). */
export const ASSESSED_BY = 'Faultline' as const;

/**
 * A date to the precision the sources give it, as the API's `PartialDate` models it: `date` is the first day
 * of its period (YYYY-MM-DD), null exactly when `precision` is "unknown".
 */
export interface PartialDateRecord {
  /** First day of the period, YYYY-MM-DD; null when unknown. */
  date: string | null;
  /** "day", "month", "year" or "unknown". */
  precision: DatePrecision;
}

/** When something happened: a start and optional end to one precision, as the API's `DateRange`. */
export interface DateRangeRecord {
  /** First day of the start's period; null when unknown. */
  start: string | null;
  /** First day of the end's period; null when the sources give no end (or the date is unknown). */
  end: string | null;
  /** Precision of both ends: "day", "month", "year" or "unknown". */
  precision: DatePrecision;
}

/**
 * A report, as a citation names it. Its identity (what an import matches an existing report by) is the API's
 * rule: `urlKey` (the normalised URL) when the URL is known; otherwise publisher, description, published date
 * with its precision and title together (the `report_source_key` of migration 005).
 */
export interface ReportRecord {
  /** The report's identity when it has an address: the URL after normalisation (src/data/urls.ts); else null. */
  urlKey: string | null;
  /** The address as stored (tracking parameters removed); null when the sources give none. */
  url: string | null;
  /** The outlet; null when none is named (then `describedAs` says what it is). */
  publisher: string | null;
  /** A plain description standing in for an unnamed outlet ("a news analysis"); null otherwise. */
  describedAs: string | null;
  /** The headline; null when unknown. */
  title: string | null;
  /** Our short summary of it; "" when none. */
  summary: string;
  /** ISO 639-1 code; null when unknown. */
  language: string | null;
  /** When it was published, to the precision known. */
  published: PartialDateRecord;
}

/** One citation: which report supports the claim, with its verbatim excerpt and where in the report it is. */
export interface CitationRecord {
  /** The cited report. */
  report: ReportRecord;
  /** Short verbatim words of the report; null when none was recorded (never paraphrased). */
  excerpt: string | null;
  /** Where in the report (section, paragraph, timestamp); null when not recorded. */
  locator: string | null;
}

/** An actor in an incident. Listed by role (the order of INCIDENT_ACTOR_ROLES), then slug. */
export interface IncidentActorRecord {
  /** The actor's natural key. */
  slug: string;
  name: string;
  /** ai_developer, government, military, criminal, state_actor, security_firm, think_tank, media, person, other. */
  kind: ActorKind;
  /** ISO 3166-1 alpha-2 code of its country; null when unknown. */
  country: string | null;
  /** The outside dataset an importer created the actor from ("mitre_atlas"); null when an editor did. */
  importedFrom: ImportSource | null;
  /** attacker, victim, developer, deployer, researcher or responder. */
  role: IncidentActorRole;
  /** What the sources say of its part; "" when nothing. */
  note: string;
}

/** The actor that develops an AI system. */
export interface DeveloperRecord {
  slug: string;
  name: string;
  kind: ActorKind;
  /**
   * ISO 3166-1 alpha-2 code of its country; null when unknown. Carried here too because a developer need not
   * be a party to any exported incident, and then this is the only place the file names it.
   */
  country: string | null;
  /** As the actor's own `importedFrom`: "mitre_atlas", or null when an editor created it. */
  importedFrom: ImportSource | null;
}

/** An AI system named as another's parent. */
export interface AiSystemRefRecord {
  slug: string;
  name: string;
  kind: AiSystemKind;
  /** What it is, as the system's own `description`; null when none is recorded. */
  description: string | null;
  /** Who develops it; null when unknown. */
  developer: DeveloperRecord | null;
  /** As the system's own `importedFrom`. */
  importedFrom: ImportSource | null;
}

/** An AI system in an incident. Listed by role (the order of AI_SYSTEM_ROLES), then slug. */
export interface IncidentAiSystemRecord {
  /** The system's natural key. */
  slug: string;
  name: string;
  /** product, model or model_version. */
  kind: AiSystemKind;
  /** What it is (the API's `AiSystem.description`); null when none is recorded (stored as ""). */
  description: string | null;
  /**
   * Who develops it; null when unknown (ATLAS names targets such as "a malware detection system" without
   * their maker, and none is invented).
   */
  developer: DeveloperRecord | null;
  /** The outside dataset an importer created the system from ("mitre_atlas"); null when an editor did. */
  importedFrom: ImportSource | null;
  /**
   * The product family a version belongs to (Claude Opus 4.6 -> Claude), whole so an import into an empty
   * database can create it; null when none. Its own parent is not followed.
   */
  parent: AiSystemRefRecord | null;
  /**
   * primary_tool, supplementary_tool, tool (used, part unstated), safeguard, or target (the system the attack
   * or exercise was aimed at).
   */
  role: AiSystemRole;
  /** How it was used, as the sources say; "" when they do not. */
  usage: string;
}

/** A number the sources give (records or bytes affected), with its hedge and its own citations. */
export interface ImpactFigureRecord {
  /** The number, as a decimal string (int8 may exceed JavaScript's safe integers). */
  value: string;
  /** True when the sources give it as an estimate ("about 195 million"). */
  approximate: boolean;
  /** The citations of this figure (claim records_affected or bytes_affected), sorted like `citations`. */
  citations: CitationRecord[];
}

/** Quantified impact, as far as the sources give it. */
export interface ImpactRecord {
  /** Records exposed or stolen; null when not reported. */
  records: ImpactFigureRecord | null;
  /** Bytes taken; null when not reported. */
  bytes: ImpactFigureRecord | null;
  /** Kinds of data affected, sorted; [] when none reported. */
  dataCategories: string[];
  /** The citations of the data categories (claim data_categories), sorted like `citations`. */
  dataCategoriesCitations: CitationRecord[];
}

/** Faultline's own judgements, kept apart from what the sources state (the API's `IncidentAssessment`). */
export interface AssessmentRecord {
  /** How serious Faultline judges it; null when nobody has assessed it (never defaulted). */
  severity: Severity | null;
  /** The sectors Faultline files it under, sorted; [] when none. */
  sectors: string[];
  /** Always "Faultline". Incidents carry no confidence of their own, so none is exported. */
  assessedBy: typeof ASSESSED_BY;
}

/** One line of an incidents JSONL export. */
export interface IncidentRecord {
  /** Always "faultline.incident/1". */
  schema: typeof INCIDENT_RECORD_SCHEMA;
  /** The incident's natural key. Records are written in slug order. */
  slug: string;
  title: string;
  /** "" when none. */
  summary: string;
  /** reported, confirmed, disputed, disrupted or resolved. */
  status: IncidentStatus;
  /**
   * "incident" (it happened) or "exercise" (a red-team exercise or research demonstration showing an attack
   * works, as MITRE ATLAS tells its case studies apart).
   */
  kind: IncidentKind;
  /** The outside dataset an importer created the incident from ("mitre_atlas"); null when an editor did. */
  importedFrom: ImportSource | null;
  /** When it happened. */
  occurred: DateRangeRecord;
  /** When it became public. */
  disclosed: PartialDateRecord;
  /** ISO 3166-1 alpha-2 codes of the countries affected, sorted; [] when none recorded. */
  countries: string[];
  /** Actors with their roles. */
  actors: IncidentActorRecord[];
  /** AI systems with their role and usage. */
  aiSystems: IncidentAiSystemRecord[];
  /** MITRE ATLAS technique ids (AML.T…), sorted. */
  techniques: string[];
  /** Quantified impact with the citations of each figure. */
  impact: ImpactRecord;
  /**
   * The citations of the incident as a whole (claim "record"), sorted by the report's published date (unknown
   * first), then its identity, then excerpt and locator (null first).
   */
  citations: CitationRecord[];
  /** Faultline's assessment. */
  assessment: AssessmentRecord;
}
