package vcfclient

// Tasks: SDDC Manager's record of a long-running operation. These are API
// mirrors: the schemas of the VCF 5.2.1 OpenAPI file (plus the 9.0.2 and 9.1
// additions) with their exact JSON tags, so the upgrade flow can send and
// read everything the API offers.

// Task is the API's Task schema.
type Task struct {
	ID                         string        `json:"id"`
	Name                       string        `json:"name"`
	LocalizableDescriptionPack *MessagePack  `json:"localizableDescriptionPack,omitempty"`
	Type                       string        `json:"type,omitempty"`
	Status                     string        `json:"status"` // PENDING, IN_PROGRESS, SUCCESSFUL, FAILED, ...
	CreationTimestamp          string        `json:"creationTimestamp"`
	CompletionTimestamp        string        `json:"completionTimestamp,omitempty"`
	SubTasks                   []SubTask     `json:"subTasks,omitempty"`
	Errors                     []ErrorDetail `json:"errors,omitempty"`
	Resources                  []Resource    `json:"resources,omitempty"`
	ResolutionStatus           string        `json:"resolutionStatus,omitempty"`
	IsCancellable              bool          `json:"isCancellable,omitempty"`
	IsRetryable                bool          `json:"isRetryable,omitempty"`
}

// SubTask is the API's SubTask schema.
type SubTask struct {
	Name                string        `json:"name"`
	Type                string        `json:"type"`
	Description         string        `json:"description"`
	Status              string        `json:"status"`
	CreationTimestamp   string        `json:"creationTimestamp"`
	CompletionTimestamp string        `json:"completionTimestamp,omitempty"`
	Stages              []Stage       `json:"stages,omitempty"`
	Errors              []ErrorDetail `json:"errors,omitempty"`
	Resources           []Resource    `json:"resources,omitempty"`
	SubTasks            []SubTask     `json:"subTasks,omitempty"`
}

// Stage is the API's Stage schema.
type Stage struct {
	Name                string        `json:"name"`
	Type                string        `json:"type"`
	Description         string        `json:"description"`
	Status              string        `json:"status"`
	CreationTimestamp   string        `json:"creationTimestamp"`
	CompletionTimestamp string        `json:"completionTimestamp,omitempty"`
	Errors              []ErrorDetail `json:"errors,omitempty"`
}

// MessagePack is the API's MessagePack schema.
type MessagePack struct {
	Component  string   `json:"component,omitempty"`
	MessageKey string   `json:"messageKey"`
	Arguments  []string `json:"arguments,omitempty"`
	Message    string   `json:"message,omitempty"`
	Bundle     string   `json:"bundle,omitempty"`
}
