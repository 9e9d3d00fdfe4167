"""What differs between an Android tablet and a desktop: the camera and notifications."""
