// Command risk-monitor-operator runs the RiskMonitor controller.
//
// It serves health probes on :8081 (/healthz, /readyz) and Prometheus
// metrics on :8080 (/metrics). Before starting the manager it checks, with a
// short timeout, that a cluster is configured, reachable and serves the
// RiskMonitor API, and exits non-zero with a one-line explanation if not.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	k8sruntime "k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/discovery"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	monitoringv1alpha1 "github.com/tirosh-chain/guide/apps/risk-monitor-operator/api/v1alpha1"
	"github.com/tirosh-chain/guide/apps/risk-monitor-operator/internal/controller"
	"github.com/tirosh-chain/guide/apps/risk-monitor-operator/internal/metrics"
)

// version is set at build time: -ldflags "-X main.version=0.1.0".
var version = "dev"

const name = "risk-monitor-operator"

// crdFile is where the CRD manifest lives in the repository.
const crdFile = "apps/risk-monitor-operator/config/crd/bases/monitoring.patient-risk.io_riskmonitors.yaml"

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

type options struct {
	metricsAddr, probeAddr string
	leaderElect            bool
	leaderElectionNS       string
	namespace              string
	kubeconfig             string
	apiServerTimeout       time.Duration
	showVersion            bool
	zap                    zap.Options
}

func parseFlags(args []string, stderr io.Writer) (*options, error) {
	o := &options{}
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.metricsAddr, "metrics-bind-address", ":8080", "address of the Prometheus /metrics endpoint (\"0\" disables it)")
	fs.StringVar(&o.probeAddr, "health-probe-bind-address", ":8081", "address of the /healthz and /readyz probes")
	fs.BoolVar(&o.leaderElect, "leader-elect", false, "use a Lease so that only one replica reconciles at a time")
	fs.StringVar(&o.leaderElectionNS, "leader-election-namespace", "", "namespace of the leader-election Lease (default: the pod's namespace)")
	fs.StringVar(&o.namespace, "namespace", "", "watch RiskMonitors in this namespace only (default: all namespaces)")
	fs.StringVar(&o.kubeconfig, "kubeconfig", "", "kubeconfig file (default: $KUBECONFIG, then the in-cluster service account, then ~/.kube/config)")
	fs.DurationVar(&o.apiServerTimeout, "api-server-timeout", 10*time.Second, "how long the start-up check waits for the Kubernetes API server")
	fs.BoolVar(&o.showVersion, "version", false, "print the version and exit")
	o.zap.BindFlags(fs)
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q (this command takes flags only; see --help)", fs.Arg(0))
	}
	return o, nil
}

func run(args []string, stdout, stderr io.Writer) int {
	opts, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", name, err)
		return 2
	}
	if opts.showVersion {
		fmt.Fprintf(stdout, "%s %s (%s %s/%s)\n", name, version, runtime.Version(), runtime.GOOS, runtime.GOARCH)
		return 0
	}
	ctrl.SetLogger(zap.New(zap.UseFlagOptions(&opts.zap), zap.WriteTo(stderr)))

	cfg, err := loadConfig(opts.kubeconfig)
	if err != nil {
		fmt.Fprintf(stderr, "%s: no Kubernetes cluster to talk to: %v\n"+
			"  Run it in a cluster (it uses the pod's service account), or point it at one with --kubeconfig PATH or KUBECONFIG.\n", name, err)
		return 1
	}
	if err := preflight(cfg, opts.apiServerTimeout); err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", name, err)
		return 1
	}
	if err := startManager(cfg, opts); err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", name, err)
		return 1
	}
	return 0
}

// loadConfig finds the cluster, in this order: --kubeconfig, $KUBECONFIG,
// the in-cluster service account, ~/.kube/config. Unlike a bare
// ctrl.GetConfig it says which of these it looked at when none applies.
func loadConfig(kubeconfig string) (*rest.Config, error) {
	if kubeconfig != "" {
		cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
		if err != nil {
			return nil, fmt.Errorf("--kubeconfig %s: %w", kubeconfig, err)
		}
		return cfg, nil
	}
	if env := os.Getenv(clientcmd.RecommendedConfigPathEnvVar); env != "" {
		paths := filepath.SplitList(env)
		found := false
		for _, p := range paths {
			if _, err := os.Stat(p); err == nil {
				found = true
			}
		}
		if !found {
			return nil, fmt.Errorf("KUBECONFIG=%s names no existing file", env)
		}
		rules := &clientcmd.ClientConfigLoadingRules{Precedence: paths}
		cfg, err := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, &clientcmd.ConfigOverrides{}).ClientConfig()
		if err != nil {
			return nil, fmt.Errorf("KUBECONFIG=%s: %w", env, err)
		}
		return cfg, nil
	}
	if os.Getenv("KUBERNETES_SERVICE_HOST") != "" {
		cfg, err := rest.InClusterConfig()
		if err != nil {
			return nil, fmt.Errorf("in-cluster configuration: %w", err)
		}
		return cfg, nil
	}
	home := clientcmd.RecommendedHomeFile // ~/.kube/config
	if _, err := os.Stat(home); err == nil {
		cfg, err := clientcmd.BuildConfigFromFlags("", home)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", home, err)
		}
		return cfg, nil
	}
	return nil, fmt.Errorf("no --kubeconfig flag, KUBECONFIG is unset, not running in a pod (KUBERNETES_SERVICE_HOST is unset) and no %s", home)
}

// preflight checks, within timeout, that the API server answers and serves
// the RiskMonitor API, so a missing cluster or CRD is a clear error at once
// rather than a controller that waits for caches that never sync.
func preflight(cfg *rest.Config, timeout time.Duration) error {
	c := rest.CopyConfig(cfg)
	c.Timeout = timeout
	dc, err := discovery.NewDiscoveryClientForConfig(c)
	if err != nil {
		return fmt.Errorf("cannot create a client for the Kubernetes API server at %s: %w", cfg.Host, err)
	}
	if _, err := dc.ServerVersion(); err != nil {
		return fmt.Errorf("cannot reach the Kubernetes API server at %s within %v: %w", cfg.Host, timeout, err)
	}
	gv := monitoringv1alpha1.GroupVersion.String()
	if _, err := dc.ServerResourcesForGroupVersion(gv); err != nil {
		if apierrors.IsNotFound(err) {
			return fmt.Errorf("the Kubernetes API server at %s does not serve %s: the RiskMonitor CRD is not installed; apply %s first",
				cfg.Host, gv, crdFile)
		}
		return fmt.Errorf("cannot discover %s on the Kubernetes API server at %s: %w", gv, cfg.Host, err)
	}
	return nil
}

func startManager(cfg *rest.Config, opts *options) error {
	scheme := k8sruntime.NewScheme()
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		return err
	}
	if err := monitoringv1alpha1.AddToScheme(scheme); err != nil {
		return err
	}
	mgrOpts := ctrl.Options{
		Scheme:                        scheme,
		Metrics:                       metricsserver.Options{BindAddress: opts.metricsAddr},
		HealthProbeBindAddress:        opts.probeAddr,
		LeaderElection:                opts.leaderElect,
		LeaderElectionID:              "risk-monitor-operator.monitoring.patient-risk.io",
		LeaderElectionNamespace:       opts.leaderElectionNS,
		LeaderElectionReleaseOnCancel: true,
	}
	if opts.namespace != "" {
		mgrOpts.Cache = cache.Options{DefaultNamespaces: map[string]cache.Config{opts.namespace: {}}}
	}
	mgr, err := ctrl.NewManager(cfg, mgrOpts)
	if err != nil {
		return fmt.Errorf("creating the controller manager: %w", err)
	}
	m, err := metrics.New(ctrlmetrics.Registry)
	if err != nil {
		return fmt.Errorf("registering metrics: %w", err)
	}
	r := &controller.Reconciler{
		Client:       mgr.GetClient(),
		Recorder:     mgr.GetEventRecorderFor(name),
		Metrics:      m,
		NewAPIClient: controller.NewAPIClient(&http.Client{}, name+"/"+version),
	}
	if err := r.SetupWithManager(mgr); err != nil {
		return fmt.Errorf("setting up the RiskMonitor controller: %w", err)
	}
	if err := mgr.AddHealthzCheck("ping", healthz.Ping); err != nil {
		return err
	}
	if err := mgr.AddReadyzCheck("informers", func(req *http.Request) error {
		ctx, cancel := context.WithTimeout(req.Context(), time.Second)
		defer cancel()
		if !mgr.GetCache().WaitForCacheSync(ctx) {
			return errors.New("informer caches have not synced yet")
		}
		return nil
	}); err != nil {
		return err
	}
	ctrl.Log.WithName("setup").Info("starting", "version", version, "metrics", opts.metricsAddr, "probes", opts.probeAddr, "namespace", opts.namespace)
	if err := mgr.Start(ctrl.SetupSignalHandler()); err != nil {
		return fmt.Errorf("controller manager stopped: %w", err)
	}
	return nil
}
