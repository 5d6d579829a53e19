"""deploy/kubernetes/ and the Containerfile, checked offline: every manifest against the
Kubernetes schemas (kubernetes-validate, strict), and against each other and the worker
(names, labels, ports, probe paths, metric names, variables the worker reads, drain timing)."""

from __future__ import annotations

import re
from pathlib import Path

import kubernetes_validate
import pytest
import yaml

from inference import metrics, serve_env

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy" / "kubernetes"
K8S_VERSIONS = ("1.30.0", "1.37.0")  # oldest supported upstream minor here .. newest shipped


def _docs() -> dict[str, dict]:
    listed = yaml.safe_load((DEPLOY / "kustomization.yaml").read_text())["resources"]
    assert sorted(listed) == sorted(
        p.name for p in DEPLOY.glob("*.yaml") if p.name != "kustomization.yaml"
    ), "every manifest is listed in kustomization.yaml"
    docs = {}
    for name in listed:
        for doc in yaml.safe_load_all((DEPLOY / name).read_text()):
            docs[doc["kind"]] = doc
    return docs


DOCS = _docs()


@pytest.mark.parametrize("version", K8S_VERSIONS)
@pytest.mark.parametrize("kind", sorted(DOCS))
def test_manifest_matches_the_kubernetes_schema(kind, version):
    kubernetes_validate.validate(DOCS[kind], version, strict=True)


def test_a_broken_manifest_is_caught():
    broken = yaml.safe_load(yaml.safe_dump(DOCS["Deployment"]))
    broken["spec"]["template"]["spec"]["containers"][0]["ports"][0]["containerPort"] = "eight"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, K8S_VERSIONS[-1], strict=True)
    typo = yaml.safe_load(yaml.safe_dump(DOCS["Service"]))
    typo["spec"]["selektor"] = {}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(typo, K8S_VERSIONS[-1], strict=True)


def _container() -> dict:
    return DOCS["Deployment"]["spec"]["template"]["spec"]["containers"][0]


def _env() -> dict[str, dict]:
    return {e["name"]: e for e in _container()["env"]}


def test_selectors_names_and_ports_agree():
    deployment = DOCS["Deployment"]
    pod_labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert deployment["spec"]["selector"]["matchLabels"].items() <= pod_labels.items()
    assert DOCS["Service"]["spec"]["selector"].items() <= pod_labels.items()
    assert DOCS["PodDisruptionBudget"]["spec"]["selector"]["matchLabels"].items() <= (
        pod_labels.items()
    )
    target = DOCS["HorizontalPodAutoscaler"]["spec"]["scaleTargetRef"]
    assert (target["kind"], target["name"]) == ("Deployment", deployment["metadata"]["name"])
    (port,) = _container()["ports"]
    assert DOCS["Service"]["spec"]["ports"][0]["targetPort"] == port["name"]
    assert _env()["FENNEC_PORT"]["value"] == str(port["containerPort"])
    volumes = {v["name"]: v for v in deployment["spec"]["template"]["spec"]["volumes"]}
    claim = volumes["models"]["persistentVolumeClaim"]["claimName"]
    assert claim == DOCS["PersistentVolumeClaim"]["metadata"]["name"]
    annotations = deployment["spec"]["template"]["metadata"]["annotations"]
    assert annotations["prometheus.io/port"] == str(port["containerPort"])


def test_probes_point_at_the_worker_routes():
    container = _container()
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["startupProbe"]["httpGet"]["path"] == "/healthz"
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    annotations = DOCS["Deployment"]["spec"]["template"]["metadata"]["annotations"]
    assert annotations["prometheus.io/path"] == "/metrics"
    startup = container["startupProbe"]
    assert startup["periodSeconds"] * startup["failureThreshold"] >= 300  # model load time


def test_hpa_scales_on_a_metric_the_worker_exports():
    (metric,) = DOCS["HorizontalPodAutoscaler"]["spec"]["metrics"]
    name = metric["pods"]["metric"]["name"]
    assert re.search(rf'"{name}"', Path(metrics.__file__).read_text())


def test_env_names_are_ones_the_worker_reads():
    known = set(serve_env.FLAG_VARIABLES) | {
        "FENNEC_TOKEN",
        "FENNEC_ALLOWED_HOSTS",
        "FENNEC_DRAIN_GRACE_S",
        "FENNEC_HOME",
    }
    fennec_vars = {name for name in _env() if name.startswith("FENNEC_")}
    assert fennec_vars <= known, fennec_vars - known
    for name in ("FENNEC_TOKEN", "FENNEC_ALLOWED_HOSTS", "FENNEC_DRAIN_GRACE_S"):
        assert name in Path(serve_env.__file__).read_text()
    token = _env()["FENNEC_TOKEN"]
    assert "value" not in token and token["valueFrom"]["secretKeyRef"]  # never inline


def test_drain_fits_in_the_termination_grace_period():
    spec = DOCS["Deployment"]["spec"]["template"]["spec"]
    pre_stop = int(_container()["lifecycle"]["preStop"]["exec"]["command"][-1])
    grace = float(_env()["FENNEC_DRAIN_GRACE_S"]["value"])
    uvicorn_close = 2  # timeout_graceful_shutdown in inference/serve.py
    assert spec["terminationGracePeriodSeconds"] > pre_stop + grace + uvicorn_close
    rolling = DOCS["Deployment"]["spec"]["strategy"]["rollingUpdate"]
    assert rolling["maxUnavailable"] == 0
    assert DOCS["PodDisruptionBudget"]["spec"]["minAvailable"] < DOCS["Deployment"]["spec"][
        "replicas"
    ] <= DOCS["HorizontalPodAutoscaler"]["spec"]["maxReplicas"]


def test_allowed_hosts_cover_the_pod_ip_and_the_service():
    hosts = _env()["FENNEC_ALLOWED_HOSTS"]["value"].split(",")
    service = DOCS["Service"]["metadata"]["name"]
    assert "$(POD_IP)" in hosts and service in hosts
    names = list(_env())
    assert names.index("POD_IP") < names.index("FENNEC_ALLOWED_HOSTS")  # $(VAR) needs order


def test_containerfile_runs_fennec_serve_as_pid_1_on_the_manifest_port():
    text = (ROOT / "Containerfile").read_text()
    assert 'ENTRYPOINT ["fennec", "serve"]' in text  # exec form: SIGTERM reaches the worker
    (port,) = _container()["ports"]
    assert f"EXPOSE {port['containerPort']}" in text
    assert f"FENNEC_PORT={port['containerPort']}" in text
    assert "GGML_NATIVE=OFF" in text  # a portable llama.cpp: no SIGILL on another node
    assert re.search(r"^USER 10001$", text, re.M)
    assert DOCS["Deployment"]["spec"]["template"]["spec"]["securityContext"]["runAsUser"] == 10001
