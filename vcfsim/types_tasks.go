package vcfsim

// JSON shapes of tasks and their subtasks.

type subTaskJSON struct {
	Name                string         `json:"name"`
	Type                string         `json:"type"`
	Description         string         `json:"description"`
	Status              string         `json:"status"`
	CreationTimestamp   string         `json:"creationTimestamp"`
	CompletionTimestamp string         `json:"completionTimestamp,omitempty"`
	Errors              []apiError     `json:"errors,omitempty"`
	Resources           []resourceJSON `json:"resources,omitempty"`
}

type taskJSON struct {
	ID                  string         `json:"id"`
	Name                string         `json:"name"`
	Type                string         `json:"type"`
	Status              string         `json:"status"`
	CreationTimestamp   string         `json:"creationTimestamp"`
	CompletionTimestamp string         `json:"completionTimestamp,omitempty"`
	SubTasks            []subTaskJSON  `json:"subTasks,omitempty"`
	Errors              []apiError     `json:"errors,omitempty"`
	Resources           []resourceJSON `json:"resources"`
	IsCancellable       bool           `json:"isCancellable"`
	IsRetryable         bool           `json:"isRetryable"`
}
