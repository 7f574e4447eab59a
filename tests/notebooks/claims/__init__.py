"""What each lab's text claims and where its questions are prepared."""
