{{/* Names and labels shared by every template. */}}

{{- define "numa-operator.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "numa-operator.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/*
  The fullname followed by "-SUFFIX", the fullname truncated first so that the whole stays within 63 characters
  and the suffix survives: names of one release never collide however long fullnameOverride is.
  Call with (dict "root" $ "suffix" "controller").
*/}}
{{- define "numa-operator.suffixedName" -}}
{{- $suffix := printf "-%s" .suffix -}}
{{- printf "%s%s" (include "numa-operator.fullname" .root | trunc (int (sub 63 (len $suffix))) | trimSuffix "-") $suffix -}}
{{- end -}}

{{- define "numa-operator.controllerName" -}}
{{- include "numa-operator.suffixedName" (dict "root" . "suffix" "controller") -}}
{{- end -}}

{{- define "numa-operator.agentName" -}}
{{- include "numa-operator.suffixedName" (dict "root" . "suffix" "agent") -}}
{{- end -}}

{{/* The image by digest when image.digest is set (immutable), else by tag (default: the chart's appVersion). */}}
{{- define "numa-operator.image" -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}
{{- end -}}

{{/*
  Whether the ValidatingAdmissionPolicy is rendered: asked for (vap.enabled) and the cluster is 1.30 or newer, which
  both serves admissionregistration.k8s.io/v1 ValidatingAdmissionPolicy and puts the node name in bound
  service-account tokens (the policy needs both). `helm template --kube-version` and `helm install` judge alike.
*/}}
{{- define "numa-operator.vapRendered" -}}
{{- if and .Values.vap.enabled (semverCompare ">=1.30.0-0" .Capabilities.KubeVersion.Version) -}}true{{- end -}}
{{- end -}}

{{- define "numa-operator.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/name: {{ include "numa-operator.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* Selector labels of one component: call with (dict "root" $ "component" "controller"). */}}
{{- define "numa-operator.selectorLabels" -}}
app.kubernetes.io/name: {{ include "numa-operator.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{/* The agent's ServiceAccount as the API server names it (system:serviceaccount:NS:NAME). */}}
{{- define "numa-operator.agentUsername" -}}
{{- printf "system:serviceaccount:%s:%s" .Release.Namespace (include "numa-operator.agentName" .) -}}
{{- end -}}

{{/* Environment shared by both components: logs, metrics port and OpenTelemetry (standard variables). */}}
{{- define "numa-operator.commonEnv" -}}
{{- $root := .root -}}
- name: Logging__Console__FormatterName
  value: {{ $root.Values.logging.format | quote }}
- name: Logging__LogLevel__Default
  value: {{ $root.Values.logging.level | quote }}
- name: NUMAOPERATOR_METRICS_PORT
  value: {{ $root.Values.metrics.port | quote }}
- name: POD_NAME
  valueFrom:
    fieldRef:
      fieldPath: metadata.name
- name: POD_NAMESPACE
  valueFrom:
    fieldRef:
      fieldPath: metadata.namespace
{{- with $root.Values.otel.endpoint }}
- name: OTEL_EXPORTER_OTLP_ENDPOINT
  value: {{ . | quote }}
{{- end }}
{{- with $root.Values.otel.protocol }}
- name: OTEL_EXPORTER_OTLP_PROTOCOL
  value: {{ . | quote }}
{{- end }}
{{- if or $root.Values.otel.endpoint $root.Values.otel.serviceName }}
- name: OTEL_SERVICE_NAME
  value: {{ default (printf "%s-%s" (include "numa-operator.name" $root) .component) $root.Values.otel.serviceName | quote }}
{{- end }}
{{- if or $root.Values.otel.endpoint $root.Values.otel.resourceAttributes }}
{{- /* $(POD_NAME) is expanded by the kubelet from the variable defined above. */ -}}
{{- $attrs := list (printf "k8s.namespace.name=%s" $root.Release.Namespace) "k8s.pod.name=$(POD_NAME)" -}}
{{- range $key, $value := $root.Values.otel.resourceAttributes }}
{{- $attrs = append $attrs (printf "%s=%s" $key $value) -}}
{{- end }}
- name: OTEL_RESOURCE_ATTRIBUTES
  value: {{ join "," $attrs | quote }}
{{- end }}
{{- end -}}

{{/* The metadata block templates/crds.yaml puts on each CRD (ends with a newline). */}}
{{- define "numa-operator.crdMetadata" -}}
metadata:
  labels:
    {{- include "numa-operator.labels" . | nindent 4 }}
  {{- if .Values.crds.keep }}
  annotations:
    helm.sh/resource-policy: keep
  {{- end }}
{{ end -}}
