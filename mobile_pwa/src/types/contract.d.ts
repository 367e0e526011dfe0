// Names the app uses for the server's types. Each is taken from the generated api.d.ts by
// path and method, not by schema name, so the app does not depend on how the server names its
// marshmallow schemas; when the contract changes, `npm run gen:types` and the type check show
// every place that must follow.
import type { components, paths } from "./api";

type JsonOf<T> = T extends { content: { "application/json": infer B } } ? B : never;

/** The JSON body of method M of path P: src/api-enums.js checks its lists against its fields. */
export type BodyOf<P extends keyof paths, M extends string> = paths[P] extends { [K in M]: { requestBody?: infer R } }
  ? JsonOf<NonNullable<R>>
  : never;

export type LoginRequest = JsonOf<paths["/api/v1/auth/login"]["post"]["requestBody"]>;
export type LoginResponse = JsonOf<paths["/api/v1/auth/login"]["post"]["responses"][200]>;
export type User = JsonOf<paths["/api/v1/auth/me"]["get"]["responses"][200]>;
// The server's response schemas mark their fields readOnly but not required, so the generated
// types make them optional; the app reads them defensively (`?? []`) rather than trusting more
// than the contract promises.
export type Assignment = NonNullable<User["assignments"]>[number];
export type Role = Assignment["role"];

/** The one error shape of the API: {code, message, details}; details may carry message_zh. */
export type ErrorBody = components["schemas"]["ApiError"];

// ---- evidence and the device heartbeat (the outbox's endpoints) -----------------------------

/** What a photo is evidence of; taken from the list filter, which carries the server's enum. */
export type EvidenceContextType = NonNullable<
  NonNullable<paths["/api/v1/evidence"]["get"]["parameters"]["query"]>["context_type"]
>;

/** 201 of POST /api/v1/evidence. Its sha256 decides whether the phone may delete its copy. The
 *  multipart request is declared as "formData" parameters, which openapi-typescript drops, so the
 *  request fields live in src/outbox/photo.js formFields(). */
export type EvidenceCreated = JsonOf<paths["/api/v1/evidence"]["post"]["responses"][201]>;

/** Body of POST /api/v1/devices/heartbeat (204). Fields with a server default come out required
 *  (openapi-typescript's reading of `default`), which suits a body we always fill completely;
 *  client_id is left to the outbox's transport, which adds it to every JSON body it sends. */
export type Heartbeat = Omit<JsonOf<paths["/api/v1/devices/heartbeat"]["post"]["requestBody"]>, "client_id">;

/** One entry of the heartbeat's pending_photos: what the handover check lists. */
export type PendingPhoto = components["schemas"]["PendingPhoto"];

// ---- role home screens (supervisor review, night duty loans, floor manager routes) ----------

export type Evidence = JsonOf<paths["/api/v1/evidence/{evidence_id}"]["get"]["responses"][200]>;
export type EvidencePage = JsonOf<paths["/api/v1/evidence"]["get"]["responses"][200]>;
export type EvidenceUrls = JsonOf<paths["/api/v1/evidence/{evidence_id}/urls"]["get"]["responses"][200]>;
export type ReviewRequest = JsonOf<paths["/api/v1/evidence/{evidence_id}/review"]["post"]["requestBody"]>;
export type ReviewDecision = ReviewRequest["decision"];
export type DeviceList = JsonOf<paths["/api/v1/devices"]["get"]["responses"][200]>;
export type DevicePending = JsonOf<paths["/api/v1/devices/{device_id}/pending"]["get"]["responses"][200]>;
export type Loan = JsonOf<paths["/api/v1/loans"]["post"]["responses"][201]>;
export type LoanPage = JsonOf<paths["/api/v1/loans"]["get"]["responses"][200]>;
/** client_id travels in the body (the schema has it); the outbox adds it at send time. */
export type LoanCreate = Omit<JsonOf<paths["/api/v1/loans"]["post"]["requestBody"]>, "client_id">;
export type LoanReturn = JsonOf<paths["/api/v1/loans/{loan_id}/return"]["post"]["requestBody"]>;
export type RoutePage = JsonOf<paths["/api/v1/patrol/properties/{property_id}/routes"]["get"]["responses"][200]>;
export type PatrolRoute = RoutePage["items"][number];
export type RunPage = JsonOf<paths["/api/v1/patrol/properties/{property_id}/runs"]["get"]["responses"][200]>;
export type RunDetail = JsonOf<paths["/api/v1/patrol/runs/{run_id}"]["get"]["responses"][200]>;
export type WorkOrderPage = JsonOf<paths["/api/v1/workorders"]["get"]["responses"][200]>;
export type WorkOrder = WorkOrderPage["items"][number];

// ---- work-order steps, front desk, supervisor oversight, renovation inspections -------------

export type WorkOrderDetail = JsonOf<paths["/api/v1/workorders/{order_id}"]["get"]["responses"][200]>;
export type CompletionCreate = Omit<JsonOf<paths["/api/v1/workorders/{order_id}/completions"]["post"]["requestBody"]>, "client_id">;
export type AssignBody = JsonOf<paths["/api/v1/workorders/{order_id}/assign"]["post"]["requestBody"]>;
export type WorkOrderCreate = Omit<JsonOf<paths["/api/v1/workorders"]["post"]["requestBody"]>, "client_id">;
export type RequestCreate = Omit<JsonOf<paths["/api/v1/requests"]["post"]["requestBody"]>, "client_id">;
export type ServiceRequest = JsonOf<paths["/api/v1/requests/{request_id}"]["get"]["responses"][200]>;
export type RequestPage = JsonOf<paths["/api/v1/requests"]["get"]["responses"][200]>;
export type VisitCreate = Omit<JsonOf<paths["/api/v1/workorders/{order_id}/visits"]["post"]["requestBody"]>, "client_id">;
export type VisitQueue = JsonOf<paths["/api/v1/properties/{property_id}/visit-queue"]["get"]["responses"][200]>;
export type VisitQueueItem = NonNullable<VisitQueue["items"]>[number];
export type UserPage = JsonOf<paths["/api/v1/users"]["get"]["responses"][200]>;
export type DayBoard = JsonOf<paths["/api/v1/patrol/properties/{property_id}/board"]["get"]["responses"][200]>;
export type BoardEntry = DayBoard["windows"][number];
export type OpenNoticeList = JsonOf<paths["/api/v1/renovation/open-notices"]["get"]["responses"][200]>;
export type OpenNotice = OpenNoticeList["items"][number];
export type DueSiteList = JsonOf<paths["/api/v1/renovation/my-sites"]["get"]["responses"][200]>;
export type DueSite = DueSiteList["items"][number];
export type Checklist = JsonOf<paths["/api/v1/renovation/checklist"]["get"]["responses"][200]>;
export type ChecklistItem = NonNullable<Checklist["items"]>[number];
export type Suggestion = JsonOf<paths["/api/v1/renovation/renovations/{renovation_id}/suggestions"]["get"]["responses"][200]>;
export type InspectionCreate = Omit<JsonOf<paths["/api/v1/renovation/renovations/{renovation_id}/inspections"]["post"]["requestBody"]>, "client_id">;

// ---- night duty (spot checks, handovers), rectification notices, notifications --------------

export type SpotCheckCreate = JsonOf<paths["/api/v1/patrol/properties/{property_id}/spot-checks"]["post"]["requestBody"]>;
export type SpotCheckPage = JsonOf<paths["/api/v1/patrol/properties/{property_id}/spot-checks"]["get"]["responses"][200]>;
export type SpotCheck = SpotCheckPage["items"][number];
export type HandoverCreate = JsonOf<paths["/api/v1/patrol/properties/{property_id}/handovers"]["post"]["requestBody"]>;
export type HandoverPage = JsonOf<paths["/api/v1/patrol/properties/{property_id}/handovers"]["get"]["responses"][200]>;
export type Handover = HandoverPage["items"][number];
export type HandoverItem = NonNullable<HandoverCreate["items"]>[number];
export type InspectionPage = JsonOf<paths["/api/v1/renovation/renovations/{renovation_id}/inspections"]["get"]["responses"][200]>;
export type InspectionDetail = JsonOf<paths["/api/v1/renovation/inspections/{inspection_id}"]["get"]["responses"][200]>;
export type InspectionResult = NonNullable<InspectionDetail["results"]>[number];
export type NoticeCreate = Omit<JsonOf<paths["/api/v1/renovation/renovations/{renovation_id}/notices"]["post"]["requestBody"]>, "client_id">;
export type NoticePage = JsonOf<paths["/api/v1/renovation/properties/{property_id}/notices"]["get"]["responses"][200]>;
export type NoticeSummary = NoticePage["items"][number];
export type Notice = JsonOf<paths["/api/v1/renovation/notices/{notice_id}"]["get"]["responses"][200]>;
export type Acknowledge = JsonOf<paths["/api/v1/renovation/notices/{notice_id}/acknowledge"]["post"]["requestBody"]>;
export type Feed = JsonOf<paths["/api/v1/notifications"]["get"]["responses"][200]>;
export type Notification = NonNullable<Feed["items"]>[number];
export type PushConfig = JsonOf<paths["/api/v1/notifications/push"]["get"]["responses"][200]>;
export type PushSubscribe = JsonOf<paths["/api/v1/notifications/push-subscriptions"]["post"]["requestBody"]>;

// ---- duty staff (spot check's guard, handover's incoming person) ----------------------------
export type DutyStaffList = JsonOf<paths["/api/v1/patrol/properties/{property_id}/duty-staff"]["get"]["responses"][200]>;
export type DutyStaff = DutyStaffList["items"][number];

// ---- manager: approvals and work-order metrics ----------------------------------------------
export type Approvals = JsonOf<paths["/api/v1/renovation/approvals"]["get"]["responses"][200]>;
export type PendingMeasure = Approvals["measures"][number];
export type PendingSettlement = Approvals["settlements"][number];
export type DecisionBody = JsonOf<paths["/api/v1/renovation/measures/{measure_id}/decision"]["post"]["requestBody"]>;
export type WorkOrderMetrics = JsonOf<paths["/api/v1/properties/{property_id}/workorder-metrics"]["get"]["responses"][200]>;

// ---- set-up (admin, property admin): structure, people, checkpoints, routes, settings -------
export type Property = JsonOf<paths["/api/v1/properties/{property_id}"]["get"]["responses"][200]>;
export type PropertyPage = JsonOf<paths["/api/v1/properties"]["get"]["responses"][200]>;
export type PropertyCreate = Omit<JsonOf<paths["/api/v1/properties"]["post"]["requestBody"]>, "client_id">;
export type PropertyPatch = JsonOf<paths["/api/v1/properties/{property_id}"]["patch"]["requestBody"]>;
export type BuildingPage = JsonOf<paths["/api/v1/buildings"]["get"]["responses"][200]>;
export type Building = BuildingPage["items"][number];
export type FloorPage = JsonOf<paths["/api/v1/buildings/{building_id}/floors"]["get"]["responses"][200]>;
export type Floor = FloorPage["items"][number];
export type UnitPage = JsonOf<paths["/api/v1/units"]["get"]["responses"][200]>;
export type Unit = UnitPage["items"][number];
export type StructureImportResult = JsonOf<paths["/api/v1/properties/{property_id}/structure/import"]["post"]["responses"][200]>;
export type UserCreate = Omit<JsonOf<paths["/api/v1/users"]["post"]["requestBody"]>, "client_id">;
export type StaffUser = UserPage["items"][number];
export type CheckpointPage = JsonOf<paths["/api/v1/patrol/properties/{property_id}/checkpoints"]["get"]["responses"][200]>;
export type Checkpoint = CheckpointPage["items"][number];
export type CheckpointCreated = JsonOf<paths["/api/v1/patrol/properties/{property_id}/checkpoints"]["post"]["responses"][201]>;
export type CheckpointCreate = Omit<JsonOf<paths["/api/v1/patrol/properties/{property_id}/checkpoints"]["post"]["requestBody"]>, "client_id">;
export type CheckpointQr = JsonOf<paths["/api/v1/patrol/checkpoints/{checkpoint_id}/qr"]["get"]["responses"][200]>;
export type RouteCreate = Omit<JsonOf<paths["/api/v1/patrol/properties/{property_id}/routes"]["post"]["requestBody"]>, "client_id">;
export type RouteImportResult = JsonOf<paths["/api/v1/patrol/properties/{property_id}/routes/import"]["post"]["responses"][200]>;
export type Checklist = JsonOf<paths["/api/v1/renovation/checklist"]["get"]["responses"][200]>;
export type ChecklistItem = NonNullable<Checklist["items"]>[number];
export type ChecklistEdit = Omit<JsonOf<paths["/api/v1/renovation/checklist"]["post"]["requestBody"]>, "client_id">;
export type RenovationPage = JsonOf<paths["/api/v1/renovation/properties/{property_id}/renovations"]["get"]["responses"][200]>;
