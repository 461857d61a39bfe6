"""Legal's view of the diagrams: the escalation register (every path from the start to each step that sends a
case outside the desk's normal work, computed from the BPMN and DMN) and the difference between two versions'."""
