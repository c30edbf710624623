module github.com/smartselfie/kiosk-agent

go 1.26.0

require (
	github.com/vladimirvivien/go4vl v0.5.0
	github.com/yalue/onnxruntime_go v1.27.0
	go.etcd.io/bbolt v1.5.0
	golang.org/x/crypto v0.59.0
	golang.org/x/image v0.48.0
	golang.org/x/sys v0.50.0
)
