package inference

// This file holds the engine's public result types. Other packages (capture, offline,
// sync/sandbox, ui) depend on these names: change them with care.

// Point is a pixel position in the analysed image (after EXIF orientation).
type Point struct{ X, Y float64 }

// Box is a face box in pixels: top-left (X1,Y1), bottom-right (X2,Y2).
type Box struct{ X1, Y1, X2, Y2 float64 }

// W and H are the box's width and height.
func (b Box) W() float64 { return b.X2 - b.X1 }
func (b Box) H() float64 { return b.Y2 - b.Y1 }

// Pose is the head pose in degrees, estimated from the 5 landmarks.
// Yaw > 0: the face is turned towards the image's right (the subject's left).
// Pitch > 0: the face is tilted up. Roll > 0: the head leans clockwise in the image.
type Pose struct {
	Yaw   float64 `json:"yaw"`
	Pitch float64 `json:"pitch"`
	Roll  float64 `json:"roll"`
}

// Liveness is the passive anti-spoofing verdict on one face.
type Liveness struct {
	Score float64 `json:"score"` // probability of a live face, 0..1
	Live  bool    `json:"live"`
}

// Face is one detected face.
type Face struct {
	Box   Box
	Score float64 // detector confidence, 0..1
	// Landmarks: eye on the image left, eye on the image right, nose tip,
	// mouth corner on the image left, mouth corner on the image right.
	Landmarks [5]Point
	Pose      Pose
	Liveness  *Liveness // nil when liveness was not run
}

// Problem is one failed quality gate: a stable code and a sentence for the operator.
type Problem struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Quality is the verdict of the quality gates on an image.
type Quality struct {
	OK       bool      `json:"ok"`
	Problems []Problem `json:"problems"`
}

// Has reports whether the quality verdict holds the problem code.
func (q Quality) Has(code string) bool {
	for _, p := range q.Problems {
		if p.Code == code {
			return true
		}
	}
	return false
}

// Problem codes of the quality gates.
const (
	ProblemNoFace       = "no_face"
	ProblemManyFaces    = "several_faces"
	ProblemTooSmall     = "face_too_small"
	ProblemTooClose     = "face_too_close"
	ProblemOffCentre    = "face_off_centre"
	ProblemEyesTooClose = "eyes_too_close" // inter-eye distance below the minimum in pixels
	ProblemPose         = "head_pose"
	ProblemTooDark      = "too_dark"
	ProblemOverExposed  = "over_exposed"
	ProblemBlurred      = "blurred"
	ProblemNotLive      = "not_live"
)

// Analysis is the result of analysing one image.
type Analysis struct {
	Width, Height int
	Faces         []Face // by descending detector score
	Quality       Quality
}

// Comparison is the result of comparing the faces of two images.
type Comparison struct {
	Similarity float64 `json:"similarity"` // cosine similarity of the embeddings, -1..1
	Threshold  float64 `json:"threshold"`
	Match      bool    `json:"match"`
	Identical  bool    `json:"identical"` // the same image (bytes, or re-encoded/resized)
}
