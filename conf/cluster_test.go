package conf

import (
	"reflect"
	"testing"
)

func TestCluster(t *testing.T) {
	cases := []struct {
		name, cluster string
		want          Cluster
	}{
		{"defaults", "mode remote; origin 127.0.0.1;", Cluster{Mode: "remote", Vhost: "[vhost]", Protocol: "rtmp",
			Origins: []string{"127.0.0.1:1935"}, HTTPOrigins: []string{"127.0.0.1:80"}, HTTPSOrigins: []string{"127.0.0.1:443"}}},
		// With protocol flv(s) the same origin names an HTTP(S) server:
		// SrsEdgeFlvUpstream defaults the port to 80, or 443 for flvs.
		{"flv", "mode remote; origin a.example b.example:8080 [::1]; protocol flv; follow_client on;", Cluster{
			Mode: "remote", Vhost: "[vhost]", Protocol: "flv", FollowClient: true,
			Origins:      []string{"a.example:1935", "b.example:8080", "[::1]:1935"},
			HTTPOrigins:  []string{"a.example:80", "b.example:8080", "[::1]:80"},
			HTTPSOrigins: []string{"a.example:443", "b.example:8080", "[::1]:443"}}},
		{"flvs", "mode remote; origin o; protocol flvs;", Cluster{Mode: "remote", Vhost: "[vhost]", Protocol: "flvs",
			Origins: []string{"o:1935"}, HTTPOrigins: []string{"o:80"}, HTTPSOrigins: []string{"o:443"}}},
		{"originCluster", "origin_cluster on; coworkers 127.0.0.1:9091 127.0.0.1:9092;", Cluster{Mode: "local", Vhost: "[vhost]",
			Protocol: "rtmp", OriginCluster: true, Coworkers: []string{"127.0.0.1:9091", "127.0.0.1:9092"}}},
		{"strictBooleans", "origin_cluster yes; follow_client yes;", Cluster{Mode: "local", Vhost: "[vhost]", Protocol: "rtmp"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := mustLoad(t, "listen 1935;\nvhost v { cluster { "+tc.cluster+" } }\n", nil)
			if got := c.Vhost("v").Cluster; !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got  %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

func TestClusterInvalid(t *testing.T) {
	_, _, err := load(t, "listen 1935;\nvhost v {\n    cluster {\n        mode remote;\n        origin o;\n        protocol http;\n    }\n}\n", nil)
	if want := `t.conf:6: vhost v: cluster.protocol must be rtmp, flv or flvs, got "http"`; err == nil || err.Error() != want {
		t.Fatalf("got %v, want %s", err, want)
	}
	// cluster has no environment overrides in SRS.
	c := mustLoad(t, "listen 1935;\nvhost v {}\n", envMap("SRS_VHOST_CLUSTER_PROTOCOL", "flv", "SRS_VHOST_CLUSTER_ORIGIN_CLUSTER", "on"))
	if cl := c.Vhost("v").Cluster; cl.Protocol != "rtmp" || cl.OriginCluster {
		t.Fatalf("%+v", cl)
	}
}

func TestSRSOriginCluster(t *testing.T) {
	chdirSRS(t)
	c, w, err := Load("conf/origin.cluster.serverA.conf", nil)
	if err != nil {
		t.Fatal(err)
	}
	cl := c.Vhost(DefaultVhost).Cluster
	if !cl.OriginCluster || !reflect.DeepEqual(cl.Coworkers, []string{"127.0.0.1:9091", "127.0.0.1:9092"}) {
		t.Fatalf("%+v", cl)
	}
	if hasWarning(w, "cluster") {
		t.Fatalf("warnings %v", w)
	}
}
